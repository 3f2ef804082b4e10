"""Getting papers in: parsers per source, one normalization, one loader."""
