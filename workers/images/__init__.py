"""What is done with an image dataset above the data floor (`workers.data.images` reads it): near and exact
duplicates, the image checks, the split's groups, the baselines' image features, the report's summary and
thumbnails."""
