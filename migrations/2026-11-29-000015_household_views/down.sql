DROP TABLE household_views;
