DROP TABLE loan_repayments;
DROP TABLE loan_instalments;
DROP TABLE loans;
