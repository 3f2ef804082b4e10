"""Small server-side SVG pictures: sparklines and bar charts, no JavaScript."""
