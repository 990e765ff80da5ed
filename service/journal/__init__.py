"""The lab journal on the service side: experiment records, their jobs, grids and exports."""
