// The back office and the cashier's bill, in their own chunk: the station screens and the
// waiter app never download them.

export { Account } from './admin/Account';
export { AdminHome } from './admin/Home';
export { AuditAdmin } from './admin/Audit';
export { Dashboard } from './admin/Dashboard';
export { MenuAdmin } from './admin/Menu';
export { PaymentsAdmin } from './admin/Payments';
export { StaffAdmin } from './admin/Staff';
export { TablesAdmin, TablesPrint } from './admin/Tables';
export { Bill } from './cashier/Bill';
