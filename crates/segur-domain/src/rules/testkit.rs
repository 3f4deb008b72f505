//! Builders of small worlds for the rules' tests.
