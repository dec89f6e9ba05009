import type { Role } from '../domain/access/roles';
import type { ProcedureForm } from '../domain/dossier/form';

/**
 * Demo data for the local platform and the tests: agencies, procedures with their electronic forms
 * and legal processing times, officers in every role group, citizens. Sign-in names are the OIDC
 * subjects of the local identity provider (password: `demo`).
 */
export interface DemoUser {
  id: string;
  subject: string;
  kind: 'citizen' | 'officer' | 'admin' | 'operator' | 'integration';
  fullName: string;
  email: string;
  phone: string;
  address?: string;
  agencyCode: string | null;
  roles: Role[];
  /** A bank's integration account: its bank's code. */
  bankCode?: string;
}

export const DEMO_PASSWORD = 'demo';

/** The demo integration client (client-credentials grant) of the local identity provider. */
export const DEMO_INTEGRATION_CLIENT = { clientId: 'stp-hanoi-system', clientSecret: 'demo-integration-secret-stp-hanoi' };
/** Each simulated bank's own integration client: it sends its statements and answers its discrepancies. */
export const DEMO_BANK_CLIENTS = [
  { clientId: 'nh-mot-doisoat', clientSecret: 'demo-bank-secret-nh-mot-0123', bankCode: 'NH-MOT', name: 'Hệ thống đối soát Ngân hàng Một' },
  { clientId: 'nh-hai-doisoat', clientSecret: 'demo-bank-secret-nh-hai-0123', bankCode: 'NH-HAI', name: 'Hệ thống đối soát Ngân hàng Hai' },
] as const;
/** Every machine client the local identity provider knows. */
export const DEMO_MACHINE_CLIENTS = [DEMO_INTEGRATION_CLIENT, ...DEMO_BANK_CLIENTS].map(({ clientId, clientSecret }) => ({ clientId, clientSecret }));

/** Agencies, each province or ministry before its units (parentCode: the agency it reports to). */
export const DEMO_AGENCIES = [
  { code: 'HNI-UBND', name: 'Ủy ban nhân dân thành phố Hà Nội', level: 'province', email: 'ubnd@hanoi.gov.vn', parentCode: null },
  { code: 'HCM-UBND', name: 'Ủy ban nhân dân Thành phố Hồ Chí Minh', level: 'province', email: 'ubnd@tphcm.gov.vn', parentCode: null },
  { code: 'DNG-UBND', name: 'Ủy ban nhân dân thành phố Đà Nẵng', level: 'province', email: 'ubnd@danang.gov.vn', parentCode: null },
  { code: 'BTP-BOTUPHAP', name: 'Bộ Tư pháp', level: 'ministry', email: 'vanphong@moj.gov.vn', parentCode: null },
  { code: 'HNI-STP', name: 'Sở Tư pháp thành phố Hà Nội', level: 'unit', email: 'stp@hanoi.gov.vn', parentCode: 'HNI-UBND' },
  { code: 'HCM-SKHDT', name: 'Sở Kế hoạch và Đầu tư Thành phố Hồ Chí Minh', level: 'unit', email: 'skhdt@tphcm.gov.vn', parentCode: 'HCM-UBND' },
  { code: 'DNG-STNMT', name: 'Sở Tài nguyên và Môi trường thành phố Đà Nẵng', level: 'unit', email: 'stnmt@danang.gov.vn', parentCode: 'DNG-UBND' },
  // Lead agency for feedback (cơ quan chủ trì): the Government Office in 000 §42.3.đ; since the 2026
  // guide (002 §29) the Administrative Procedure Control Agency of the Ministry of Justice.
  { code: 'BTP-CKSTTHC', name: 'Cục Kiểm soát thủ tục hành chính - Bộ Tư pháp', level: 'ministry', email: 'ckstthc@moj.gov.vn', parentCode: 'BTP-BOTUPHAP' },
] as const;

const idCard = { name: 'cccd', label: 'Căn cước công dân (bản chụp)', required: true, mimeTypes: ['application/pdf', 'image/jpeg', 'image/png'], maxBytes: 5 * 1024 * 1024 };

export const DEMO_PROCEDURES: { code: string; name: string; agencyCode: string; field: string; processingDays: number; feeAmount: number; form: ProcedureForm }[] = [
  {
    code: 'STP-LLTP',
    name: 'Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam',
    agencyCode: 'HNI-STP',
    field: 'Lý lịch tư pháp',
    processingDays: 10,
    feeAmount: 200000,
    form: {
      fields: [
        { name: 'hoTen', label: 'Họ và tên', type: 'text', required: true, maxLength: 100 },
        { name: 'soDinhDanh', label: 'Số định danh cá nhân', type: 'text', required: true, pattern: '^\\d{12}$' },
        { name: 'ngaySinh', label: 'Ngày sinh', type: 'date', required: true, minDate: '1900-01-01', maxDate: 'today' },
        { name: 'mucDich', label: 'Mục đích sử dụng phiếu', type: 'text', required: true, maxLength: 500 },
        { name: 'soLuongPhieu', label: 'Số lượng phiếu', type: 'number', required: false, min: 1, max: 10 },
      ],
      files: [
        idCard,
        { name: 'uyQuyen', label: 'Văn bản ủy quyền (nếu có)', required: false, mimeTypes: ['application/pdf'], maxBytes: 5 * 1024 * 1024 },
        // A result of the birth registration, given straight from the citizen's data store (003 §16.4).
        { name: 'giayKhaiSinh', label: 'Giấy khai sinh (nếu có)', required: false, mimeTypes: ['application/pdf'], maxBytes: 5 * 1024 * 1024, acceptsResultsOf: ['STP-KS'] },
      ],
    },
  },
  {
    code: 'STP-KS',
    name: 'Đăng ký khai sinh',
    agencyCode: 'HNI-STP',
    field: 'Hộ tịch',
    processingDays: 1,
    feeAmount: 0,
    form: {
      fields: [
        { name: 'hoTenTre', label: 'Họ và tên trẻ', type: 'text', required: true, maxLength: 100 },
        { name: 'ngaySinhTre', label: 'Ngày sinh của trẻ', type: 'date', required: true, minDate: '1900-01-01', maxDate: 'today' },
        { name: 'noiSinh', label: 'Nơi sinh', type: 'text', required: true, maxLength: 300 },
      ],
      files: [{ name: 'giayChungSinh', label: 'Giấy chứng sinh', required: true, mimeTypes: ['application/pdf', 'image/jpeg', 'image/png'], maxBytes: 5 * 1024 * 1024 }],
    },
  },
  {
    code: 'KHDT-DNTN',
    name: 'Đăng ký thành lập doanh nghiệp tư nhân',
    agencyCode: 'HCM-SKHDT',
    field: 'Thành lập và hoạt động doanh nghiệp',
    processingDays: 3,
    feeAmount: 50000,
    form: {
      fields: [
        { name: 'tenDoanhNghiep', label: 'Tên doanh nghiệp', type: 'text', required: true, maxLength: 200 },
        { name: 'vonDauTu', label: 'Vốn đầu tư (đồng)', type: 'number', required: true, min: 1 },
        { name: 'diaChiTruSo', label: 'Địa chỉ trụ sở chính', type: 'text', required: true, maxLength: 300 },
      ],
      files: [{ name: 'giayDeNghi', label: 'Giấy đề nghị đăng ký doanh nghiệp', required: true, mimeTypes: ['application/pdf'], maxBytes: 10 * 1024 * 1024 }],
    },
  },
];

const OFFICER_ROLES: [Role, string, string][] = [
  ['receiving_officer', 'tiepnhan', 'Cán bộ tiếp nhận'],
  ['processing_officer', 'xuly', 'Cán bộ xử lý'],
  ['supervising_officer', 'giamsat', 'Cán bộ giám sát'],
  ['result_officer', 'trakq', 'Cán bộ trả kết quả'],
  ['clerk', 'vanthu', 'Văn thư'],
  ['fee_officer', 'thuphi', 'Cán bộ thu phí'],
  ['unit_leader', 'lanhdao', 'Lãnh đạo'],
  ['unit_admin', 'quantri', 'Quản trị đơn vị'],
];

function uuidOf(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

function buildUsers(): DemoUser[] {
  const users: DemoUser[] = [
    { id: uuidOf(1), subject: 'congdan1', kind: 'citizen', fullName: 'Nguyễn Văn An', email: 'an.nguyen@example.vn', phone: '0912000001', address: '12 Hàng Bài, Hoàn Kiếm, Hà Nội', agencyCode: null, roles: ['citizen'] },
    { id: uuidOf(2), subject: 'congdan2', kind: 'citizen', fullName: 'Trần Thị Bình', email: 'binh.tran@example.vn', phone: '0912000002', address: '45 Lê Lợi, Quận 1, TP. Hồ Chí Minh', agencyCode: null, roles: ['citizen'] },
    { id: uuidOf(3), subject: 'admin', kind: 'admin', fullName: 'Quản trị hệ thống', email: 'admin@dichvucong.gov.vn', phone: '0912000003', agencyCode: null, roles: ['system_admin'] },
    { id: uuidOf(4), subject: 'vanhanh', kind: 'operator', fullName: 'Cán bộ vận hành', email: 'vanhanh@dichvucong.gov.vn', phone: '0912000004', agencyCode: null, roles: ['operator'] },
  ];
  // An integration account: the Hà Nội Department of Justice's own system (OAuth client credentials).
  users.push({ id: uuidOf(5), subject: 'client:stp-hanoi-system', kind: 'integration', fullName: 'Hệ thống một cửa Sở Tư pháp Hà Nội', email: 'hethong.stp@hanoi.gov.vn', phone: '0243000000', agencyCode: 'HNI-STP', roles: ['integration'] });
  DEMO_BANK_CLIENTS.forEach((b, i) => users.push({
    id: uuidOf(6 + i), subject: `client:${b.clientId}`, kind: 'integration', fullName: b.name, email: `doisoat@${b.bankCode.toLowerCase()}.example`, phone: `024300000${i + 1}`,
    agencyCode: null, roles: ['bank'], bankCode: b.bankCode,
  }));
  // The Hà Nội People's Committee's supervisor: sees the province's whole tree.
  users.push({ id: uuidOf(90), subject: 'giamsat.ubndhn', kind: 'officer', fullName: 'Cán bộ giám sát UBND Hà Nội', email: 'giamsat.ubndhn@dichvucong.gov.vn', phone: '0913000090', agencyCode: 'HNI-UBND', roles: ['supervising_officer'] });
  let n = 100;
  for (const [agency, suffix] of [['HNI-STP', 'hn'], ['HCM-SKHDT', 'hcm'], ['BTP-CKSTTHC', 'btp']] as const) {
    for (const [role, prefix, label] of OFFICER_ROLES) {
      n++;
      users.push({
        id: uuidOf(n),
        subject: `${prefix}.${suffix}`,
        kind: 'officer',
        fullName: `${label} ${suffix.toUpperCase()}`,
        email: `${prefix}.${suffix}@dichvucong.gov.vn`,
        phone: `0913${String(n).padStart(6, '0')}`,
        agencyCode: agency,
        roles: [role],
      });
    }
  }
  return users;
}

export const DEMO_USERS: DemoUser[] = buildUsers();

export function demoUser(subject: string): DemoUser {
  const u = DEMO_USERS.find((x) => x.subject === subject);
  if (!u) throw new Error(`no demo user ${subject}`);
  return u;
}

/** Announced calendar changes shipped as starting data. An administrator confirms or edits them
 * against each year's official announcement (thông báo nghỉ lễ, Tết) through the API. */
export const DEMO_CALENDAR_OVERRIDES = [
  { date: '2026-04-27', kind: 'day_off', note: 'Nghỉ bù Giỗ Tổ Hùng Vương (10/3 âm lịch rơi vào Chủ nhật 26/4/2026)' },
  { date: '2026-09-01', kind: 'day_off', note: 'Nghỉ Quốc khánh: ngày liền kề 2/9 (cần xác nhận theo thông báo)' },
  { date: '2027-02-10', kind: 'day_off', note: 'Nghỉ bù Tết Nguyên đán (6/2/2027 rơi vào Thứ Bảy)' },
  { date: '2027-02-11', kind: 'day_off', note: 'Nghỉ bù Tết Nguyên đán (7/2/2027 rơi vào Chủ nhật)' },
  { date: '2027-05-03', kind: 'day_off', note: 'Nghỉ bù Ngày Quốc tế Lao động (1/5/2027 rơi vào Thứ Bảy)' },
  { date: '2027-09-03', kind: 'day_off', note: 'Nghỉ Quốc khánh: ngày liền kề 2/9 (cần xác nhận theo thông báo)' },
] as const;
