"""Product records (carbon footprints, battery passports) read into bpvc's canonical shapes."""
