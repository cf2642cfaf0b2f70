"""Files in and out: CSV in UTF-8 or GBK/GB18030, validation with row-level errors."""
