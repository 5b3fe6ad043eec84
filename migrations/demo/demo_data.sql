-- Demo data for development only (loaded by `kenangan serve` when APP_ENV=development and
-- the database has no stations yet). Users are created by the server (their passwords are hashed).
INSERT INTO stations (code, name) VALUES
  ('kitchen', 'Kitchen'), ('grill', 'Grill'), ('bar', 'Bar'), ('expo', 'Expo');

INSERT INTO categories (name, station_id, sort_order) VALUES
  ('Steaks',        (SELECT id FROM stations WHERE code = 'grill'),   1),
  ('Appetizers',    (SELECT id FROM stations WHERE code = 'kitchen'), 2),
  ('Main Course',   (SELECT id FROM stations WHERE code = 'kitchen'), 3),
  ('Sides',         (SELECT id FROM stations WHERE code = 'kitchen'), 4),
  ('Desserts',      (SELECT id FROM stations WHERE code = 'kitchen'), 5),
  ('Drinks',        (SELECT id FROM stations WHERE code = 'bar'),     6);

INSERT INTO products (category_id, name, description, price, prep_minutes, allergens, modifiers)
SELECT c.id, p.name, p.description, p.price, p.prep, p.allergens, p.modifiers
FROM (VALUES
  ('Steaks', 'Wagyu Sirloin 200g', 'Australian wagyu MB5, grilled to order', 485000, 18, '{}'::text[], '{rare,medium rare,medium,well done}'::text[]),
  ('Steaks', 'Black Angus Ribeye 250g', 'Grain-fed ribeye with black pepper sauce', 365000, 16, '{}', '{rare,medium rare,medium,well done,mushroom sauce}'),
  ('Steaks', 'Tenderloin 180g', 'Local tenderloin, sambal matah on the side', 245000, 15, '{}', '{rare,medium rare,medium,well done}'),
  ('Steaks', 'Iga Bakar Kenangan', 'Grilled beef ribs in kecap glaze', 195000, 20, '{soy}', '{extra pedas}'),
  ('Steaks', 'Chicken Steak', 'Grilled chicken thigh, lemon butter', 95000, 14, '{dairy}', '{}'),
  ('Appetizers', 'Sate Sapi', 'Beef satay with peanut sauce (6 skewers)', 65000, 10, '{peanut}', '{no peanut sauce}'),
  ('Appetizers', 'Lumpia Udang', 'Prawn spring rolls', 55000, 8, '{shellfish,gluten}', '{}'),
  ('Appetizers', 'Sop Buntut', 'Oxtail soup', 85000, 6, '{}', '{}'),
  ('Appetizers', 'Caesar Salad', 'Romaine, parmesan, croutons', 60000, 6, '{dairy,gluten,egg}', '{no croutons}'),
  ('Main Course', 'Nasi Goreng Wagyu', 'Fried rice with wagyu cubes and fried egg', 125000, 10, '{egg,soy}', '{extra pedas,no egg}'),
  ('Main Course', 'Rawon Daging', 'East Javanese black beef soup with rice', 90000, 8, '{}', '{}'),
  ('Main Course', 'Salmon Sambal Matah', 'Pan-seared salmon, Balinese sambal', 175000, 14, '{fish}', '{no chili}'),
  ('Sides', 'French Fries', 'Shoestring fries', 35000, 6, '{}', '{truffle}'),
  ('Sides', 'Mashed Potato', 'Butter mash', 35000, 4, '{dairy}', '{}'),
  ('Sides', 'Nasi Putih', 'Steamed rice', 15000, 1, '{}', '{}'),
  ('Sides', 'Sayur Tumis', 'Stir-fried greens', 30000, 5, '{soy}', '{}'),
  ('Desserts', 'Es Teler', 'Avocado, young coconut and jackfruit', 40000, 4, '{dairy}', '{}'),
  ('Desserts', 'Klepon Lava Cake', 'Pandan cake with palm sugar', 55000, 10, '{gluten,dairy,egg}', '{}'),
  ('Drinks', 'Es Teh Manis', 'Sweet iced tea', 15000, 1, '{}', '{less sugar,no ice}'),
  ('Drinks', 'Es Jeruk', 'Fresh orange juice', 25000, 2, '{}', '{less sugar,no ice}'),
  ('Drinks', 'Kopi Tubruk', 'Javanese black coffee', 25000, 3, '{}', '{}'),
  ('Drinks', 'Jus Alpukat', 'Avocado juice with chocolate', 35000, 3, '{dairy}', '{}'),
  ('Drinks', 'Bintang Draught', 'Local lager 500ml', 55000, 1, '{gluten}', '{}'),
  ('Drinks', 'Air Mineral', 'Still water', 12000, 1, '{}', '{}')
) AS p(category, name, description, price, prep, allergens, modifiers)
JOIN categories c ON c.name = p.category;

INSERT INTO dining_tables (label, area, capacity)
SELECT 'T' || n, CASE WHEN n <= 8 THEN 'Main' WHEN n <= 12 THEN 'Terrace' ELSE 'VIP' END,
       CASE WHEN n % 4 = 0 THEN 6 WHEN n % 3 = 0 THEN 4 ELSE 2 END
FROM generate_series(1, 14) AS n;
