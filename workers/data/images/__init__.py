"""Reading images into a `Dataset`: the zip (safely, under limits), each image decoded and resized, the two
layouts, the stored parse. What is done with them above the data floor is in `workers.images`."""
