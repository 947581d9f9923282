"""Courses: the lectures filed under one name, their notes together, their vocabulary shared."""
