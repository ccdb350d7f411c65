"""The programme and its rules: key facts and openings, the regulation's rules, the subsidy calculator."""
