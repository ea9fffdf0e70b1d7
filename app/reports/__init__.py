"""Year-end summaries: the annual report's figures in Chinese, traceable, as Markdown, HTML and DOCX."""
