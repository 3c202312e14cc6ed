"""The HTTP edge shared by every blueprint: security headers, request ids, access logs."""
