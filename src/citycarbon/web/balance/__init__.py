"""The simplified energy balance (能源平衡表) pages."""
