"""Image datasets: reading a zip of labelled images, checking them, and the pixels the models see."""
