"""The organisation tree: district > town > community > grid."""
