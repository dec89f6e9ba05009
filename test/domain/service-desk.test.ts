import { describe, expect, it } from '@jest/globals';
import { checkNotice, type MaintenanceBody } from '../../domain/service-desk/maintenance';
import { vietnamCalendar, vnTime } from '../../domain/working-time';

/** Planned maintenance is announced at least 5 working days ahead (002 §32.3), by the announced calendar. */
const body = (startsLocal: string, extra: Partial<MaintenanceBody> = {}): MaintenanceBody => ({
  title: 'Bảo trì định kỳ', description: 'Nâng cấp máy chủ cơ sở dữ liệu.', startsAt: vnTime(startsLocal).toISOString(),
  endsAt: new Date(vnTime(startsLocal).getTime() + 3_600_000).toISOString(), emergency: false, ...extra,
});
const code = (f: () => unknown) => {
  try {
    f();
    return 'accepted';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe('maintenance notice', () => {
  it('across Tết 2027: announced on Monday 1 February, planned work starts on Thursday 11 February at the earliest', () => {
    const cal = vietnamCalendar();
    const at = vnTime('2027-02-01 09:00');
    expect(checkNotice(body('2027-02-11 09:00'), at, cal).earliestStart).toEqual(vnTime('2027-02-11 09:00'));
    expect(code(() => checkNotice(body('2027-02-10 22:00'), at, cal))).toBe('MAINTENANCE_NOTICE_TOO_SHORT');
    expect(code(() => checkNotice(body('2027-02-11 09:00'), at, cal))).toBe('accepted');
    // An emergency may be sooner, with its reason recorded.
    expect(code(() => checkNotice(body('2027-02-02 22:00', { emergency: true }), at, cal))).toBe('MAINTENANCE_EMERGENCY_REASON');
    expect(code(() => checkNotice(body('2027-02-02 22:00', { emergency: true, emergencyReason: 'Vá lỗ hổng bảo mật nghiêm trọng.' }), at, cal))).toBe('accepted');
  });

  it('a make-up Saturday announced shortens the notice by a day; an end before the start or a start in the past is refused', () => {
    const at = vnTime('2027-03-02 09:00'); // a Tuesday
    expect(checkNotice(body('2027-03-09 09:00'), at, vietnamCalendar()).earliestStart).toEqual(vnTime('2027-03-09 09:00'));
    const withMakeUp = vietnamCalendar([['2027-03-06', 'working_day']]);
    expect(checkNotice(body('2027-03-08 09:00'), at, withMakeUp).earliestStart).toEqual(vnTime('2027-03-08 09:00'));
    expect(code(() => checkNotice(body('2027-03-08 09:00'), at, vietnamCalendar()))).toBe('MAINTENANCE_NOTICE_TOO_SHORT');
    expect(code(() => checkNotice({ ...body('2027-03-20 09:00'), endsAt: vnTime('2027-03-20 08:00').toISOString() }, at, withMakeUp))).toBe('MAINTENANCE_ENDS_BEFORE_START');
    expect(code(() => checkNotice(body('2027-03-01 09:00', { emergency: true, emergencyReason: 'Sự cố mất điện tại trung tâm dữ liệu.' }), at, withMakeUp))).toBe('MAINTENANCE_IN_THE_PAST');
  });
});
