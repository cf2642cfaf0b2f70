"""Chinese pages group thousands with commas (6,737,489), as Chinese official statistics
print them; Django's zh_Hans default has no separator. The rest comes from Django."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
