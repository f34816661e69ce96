"""Writers of what govreport produces beyond the contract JSON (audit memos)."""
