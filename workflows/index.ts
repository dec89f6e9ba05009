// Every workflow type the worker runs. Clients import definitions from the per-process files.
export { dossierWorkflow } from './dossier/workflow';
export { feedbackWorkflow } from './feedback/workflow';
export { accountSweepWorkflow } from './accounts/sweep';
export { servicePublicationWorkflow } from './publication/workflow';
export { dataQualityFindingWorkflow } from './publication/finding';
export { paymentWorkflow } from './payment/workflow';
export { reconciliationWorkflow, dailyReconciliationWorkflow } from './payment/reconciliation';
export { discrepancyWorkflow } from './payment/discrepancy';
export { refundWorkflow } from './payment/refund';
export { operationsWatchWorkflow } from './operations/watch';
export { calendarChangeWorkflow } from './calendar/change';
export { maintenanceNoticeWorkflow } from './service-desk/maintenance';
export { accountComplaintWorkflow } from './service-desk/complaint';
export { adminAccountRequestWorkflow } from './service-desk/admin-account';
export { supportRequestWorkflow } from './service-desk/support';
