// The shapes the server sends: REST answers, event payloads and snapshots use the same ones
// (src/orders/model.rs, src/floor/tables.rs, src/menu/products.rs in the server).

export type Role = 'admin' | 'manager' | 'cashier' | 'waiter' | 'kitchen' | 'bar';

export interface User {
  id: number;
  username: string;
  full_name: string;
  role: Role;
  email?: string | null;
  is_active?: boolean;
  created_at?: string;
}

export interface Station {
  id: number;
  code: string;
  name: string;
}

export interface Category {
  id: number;
  name: string;
  station_id: number;
  station_code: string;
  sort_order: number;
}

export interface Product {
  id: number;
  category_id: number;
  category_name: string;
  name: string;
  description: string;
  price: number;
  station_id: number | null;
  station_code: string;
  is_available: boolean;
  image_url: string | null;
  prep_minutes: number | null;
  allergens: string[];
  modifiers: string[];
}

export type TableStatus =
  | 'free'
  | 'seated'
  | 'ordered'
  | 'food_ready'
  | 'served'
  | 'bill_requested'
  | 'paid';

export interface Table {
  id: number;
  label: string;
  area: string;
  capacity: number;
  status: TableStatus;
  covers: number | null;
  waiter_id: number | null;
  waiter_name?: string | null;
  current_order_id: number | null;
  seated_at: string | null;
  status_changed_at: string;
}

export type ItemStatus = 'held' | 'fired' | 'ready' | 'served' | 'voided';
export type TicketStatus = 'fired' | 'started' | 'ready' | 'served' | 'voided';

export interface Item {
  id: number;
  order_id: number;
  product_id: number;
  name: string;
  unit_price: number;
  quantity: number;
  modifiers: string[];
  notes: string;
  course: number;
  station: string;
  status: ItemStatus;
  ticket_id: number | null;
  added_late: boolean;
  allergens: string[];
  void_reason: string | null;
  voided_at: string | null;
}

export interface TicketSummary {
  id: number;
  order_id: number;
  station: string;
  course: number;
  status: TicketStatus;
  rush: boolean;
  recall_count: number;
  fired_at: string;
  started_at: string | null;
  ready_at: string | null;
  served_at: string | null;
  table_id: number | null;
  table_label: string | null;
  order_type: 'dine_in' | 'takeaway';
  waiter_id: number;
  waiter_name: string;
  covers: number;
}

export interface Ticket extends TicketSummary {
  items: Item[];
}

export interface Order {
  id: number;
  table_id: number | null;
  table_label: string | null;
  order_type: 'dine_in' | 'takeaway';
  status: 'open' | 'paid' | 'cancelled';
  waiter_id: number;
  waiter_name: string;
  covers: number;
  notes: string;
  subtotal: number;
  tax: number;
  service_charge: number;
  total: number;
  tax_rate_bp?: number;
  service_rate_bp?: number;
  payment_method?: PayMethod | null;
  amount_tendered?: number | null;
  paid_at?: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  items: Item[];
  tickets: TicketSummary[];
}

export interface Availability {
  product_id: number;
  name: string;
  is_available: boolean;
}

export interface StationLoad {
  code: string;
  name: string;
  open_tickets: number;
  ready_tickets: number;
  oldest_fired_at: string | null;
}

export interface FloorView {
  tables: Table[];
  stations: StationLoad[];
  server_time: string;
}

export interface DashboardStats {
  date: string;
  orders: number;
  paid_orders: number;
  open_orders: number;
  cancelled_orders: number;
  covers: number;
  revenue: number;
  tax?: number;
  service_charge?: number;
  average_spend: number;
  timezone?: string;
  stations: {
    station: string;
    open_tickets: number;
    tickets_ready: number;
    avg_fire_to_ready_secs: number | null;
    median_fire_to_ready_secs?: number | null;
    p90_fire_to_ready_secs?: number | null;
  }[];
  top_products: { product_id: number; name: string; quantity: number; revenue: number }[];
  by_hour?: { hour: number; orders: number; revenue: number }[];
}

/** `GET /settings`: the rates new orders get, and the QRIS image. */
export interface Settings {
  tax_rate_percent: number;
  service_charge_percent: number;
  tax_rate_default_percent?: number;
  service_charge_default_percent?: number;
  qris_image_url: string | null;
}

/** One line of `GET /audit`. */
export interface AuditEntry {
  seq: number;
  at: string;
  kind: string;
  actor_id: number | null;
  actor_name: string | null;
  actor_role: string | null;
  what: string;
}

export type PayMethod = 'cash' | 'card' | 'qris';

/** One connected screen, as the hub's presence frames describe it. */
export interface Screen {
  id: string;
  user_id: number;
  username: string;
  role: Role;
  stations: string[];
  topics: string[];
  connected_at: string;
}

export interface StationPresence {
  code: string;
  name: string;
  screens: number;
}
