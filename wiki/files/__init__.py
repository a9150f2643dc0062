"""Files attached to pages: what they are (from their bytes), where their bytes live, their
versions, thumbnails of images and the text of documents for search."""
