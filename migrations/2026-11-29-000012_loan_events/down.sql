DROP TABLE loan_events;
