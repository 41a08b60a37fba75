"""The method: what is rated and how (tasks, classes, units, repetition statistics, stars).

Pure functions and constants; imports nothing else from the suite.
"""
