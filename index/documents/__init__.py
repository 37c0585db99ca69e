"""Reading documents: the corpus, parsing text and PDF files into areas and passages."""
