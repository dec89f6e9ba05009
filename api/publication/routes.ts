import { Router } from 'express';
import { OfficerRole } from '../../domain/access/roles';
import type { PublicationAction } from '../../domain/publication/vocabulary';
import { mount } from '../access';
import { parse } from '../errors';
import { ActionIdempotencyHeaders, idempotencyKeyOf } from '../idempotency';
import { ProcedureCode } from '../schemas';
import { z } from 'zod';
import type { CatalogueDecisions } from './decisions';
import type { DataQualityFindings } from './findings';
import type { FindingAction } from '../../domain/publication/findings';
import {
  DeclareBody, DecisionBody, DecisionResult, FindingActionBody, FindingList, FindingParams, FindingQuery, FindingStep, RaiseFindingBody, ProcedureVersions, ServiceActionBody, ServiceList, ServiceParams, ServiceQuery, ServiceStepResult, ServiceTracking,
} from './schemas';
import type { PublicationService } from './service';

/** Online services, their publication, and the catalogue's decisions (RULES.md §3). */
export function publicationRoutes(services: PublicationService, decisions: CatalogueDecisions, findings: DataQualityFindings): Router {
  const router = Router();
  mount(router, {
    method: 'post', path: '/api/services', tag: 'Dịch vụ công trực tuyến', access: ['unit_admin'], body: DeclareBody, responses: { 201: ServiceStepResult }, conflicts: true,
    summary: 'Cơ quan khai báo dịch vụ công trực tuyến cho một thủ tục (quản trị đơn vị); quy trình công bố bắt đầu.',
    handler: async (req, res) => void res.status(201).json(await services.declare(req.actor!, parse(DeclareBody, req.body), String(req.id))),
  });
  mount(router, {
    method: 'get', path: '/api/services', tag: 'Dịch vụ công trực tuyến', access: 'public', query: ServiceQuery, responses: { 200: ServiceList },
    summary: 'Danh sách dịch vụ công trực tuyến với trạng thái công bố (thử nghiệm, thí điểm, chính thức, tạm dừng…).',
    handler: async (req, res) => void res.json({ items: await services.list(parse(ServiceQuery, req.query)) }),
  });
  mount(router, {
    method: 'get', path: '/api/services/:code', tag: 'Dịch vụ công trực tuyến', access: ['operator', 'system_admin', ...OfficerRole.options], params: ServiceParams, responses: { 200: ServiceTracking },
    summary: 'Một dịch vụ công trực tuyến: trạng thái, thời hạn của bước hiện tại, báo cáo thử nghiệm, toàn bộ lịch sử công bố.',
    handler: async (req, res) => void res.json(await services.track(String(req.params.code))),
  });
  mount(router, {
    method: 'post', path: '/api/services/:code/actions', tag: 'Dịch vụ công trực tuyến', access: ['unit_admin', 'operator'], params: ServiceParams, body: ServiceActionBody,
    headers: ActionIdempotencyHeaders, responses: { 200: ServiceStepResult }, conflicts: true,
    summary: 'Một bước công bố: request_test_publication, submit_test_report (cơ quan); publish_for_testing, return_for_completion, confirm_test, suspend, resume, stop (vận hành).',
    handler: async (req, res) => {
      const key = idempotencyKeyOf(req);
      res.json(await services.act(req.actor!, String(req.params.code), parse(ServiceActionBody, req.body) as PublicationAction, String(req.id), key));
    },
  });
  mount(router, {
    method: 'post', path: '/api/catalogue/decisions', tag: 'Dịch vụ công trực tuyến', access: ['system_admin', 'operator'], body: DecisionBody, responses: { 201: DecisionResult }, conflicts: true,
    summary: 'Ghi quyết định công bố thủ tục hành chính: mới, sửa đổi (phiên bản mới có hiệu lực từ ngày), bãi bỏ (kèm các bản sao địa phương), liên thông.',
    handler: async (req, res) => void res.status(201).json(await decisions.record(req.actor!, parse(DecisionBody, req.body), String(req.id))),
  });
  mount(router, {
    method: 'get', path: '/api/procedures/:code/versions', tag: 'Thủ tục', access: 'public', params: z.object({ code: ProcedureCode }), responses: { 200: ProcedureVersions },
    summary: 'Các phiên bản của thủ tục với hiệu lực và quyết định công bố của từng phiên bản.',
    handler: async (req, res) => void res.json(await decisions.versions(String(req.params.code))),
  });
  mount(router, {
    method: 'post', path: '/api/catalogue/findings', tag: 'Dịch vụ công trực tuyến', access: ['operator'], body: RaiseFindingBody, responses: { 201: FindingStep },
    summary: 'Cán bộ vận hành ghi nhận sai sót dữ liệu của một thủ tục; cơ quan có thủ tục khắc phục trong 10 ngày làm việc (quá hạn: báo lãnh đạo cơ quan).',
    handler: async (req, res) => void res.status(201).json(await findings.raise(req.actor!, parse(RaiseFindingBody, req.body), String(req.id))),
  });
  mount(router, {
    method: 'get', path: '/api/catalogue/findings', tag: 'Dịch vụ công trực tuyến', access: ['operator', 'system_admin', 'unit_admin', 'unit_leader'], query: FindingQuery, responses: { 200: FindingList },
    summary: 'Các phát hiện sai sót dữ liệu (cơ quan chỉ thấy của mình), chưa khắc phục và gần hạn trước.',
    handler: async (req, res) => void res.json({ items: await findings.list(req.actor!, parse(FindingQuery, req.query)) }),
  });
  mount(router, {
    method: 'post', path: '/api/catalogue/findings/:code/actions', tag: 'Dịch vụ công trực tuyến', access: ['unit_admin', 'operator'], params: FindingParams, body: FindingActionBody,
    responses: { 200: FindingStep }, conflicts: true,
    summary: 'resolve (cơ quan báo đã khắc phục) hoặc dismiss (vận hành hủy phát hiện).',
    handler: async (req, res) => void res.json(await findings.act(req.actor!, String(req.params.code), parse(FindingActionBody, req.body) as FindingAction, String(req.id))),
  });
  return router;
}
