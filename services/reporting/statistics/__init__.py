"""Official statistics 统计数据: the data-element catalogue, data value sets, approval and lock.

Modelled on DHIS2's data sets, values and approvals: values per (element, org unit, period) are
submitted by integration clients and officers, the province approves a (period, org unit) and so
locks it, and re-opens it with a reason. An approval becomes an event on the reporting outbox that
the stream worker folds (``indicators.statistics``).
"""
