"""The asn-jobfit service: explained, rule-checked shortlists, decisions and audit."""
