# Placeholder until the athletics pages land.
