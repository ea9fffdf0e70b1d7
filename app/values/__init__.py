"""Monthly values, their change history, named activities and district-month reports."""
