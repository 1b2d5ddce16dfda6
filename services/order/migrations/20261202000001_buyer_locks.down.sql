DROP TABLE IF EXISTS buyer_locks;
