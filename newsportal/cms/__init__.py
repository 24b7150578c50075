"""What the CMS families regional portals run imply about URLs: ids, alias addresses, pagers.

Pure functions of URLs and page text, shared by the spiders (what to request, what is an
article) and the pipelines (which of two addresses of one article to keep).
"""
