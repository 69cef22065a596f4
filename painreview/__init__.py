"""painreview: reproduce the tables, figures and in-text numbers of a primary-care
opioid and pain review service evaluation from raw case-report-form data."""

__version__ = "0.2.0"
