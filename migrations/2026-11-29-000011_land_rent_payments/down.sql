DROP TABLE land_rent_payments;
