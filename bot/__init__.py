"""faqbot: answers readers' questions about a news explainer, quoting the passage that answers."""

__version__ = "0.1.0"
