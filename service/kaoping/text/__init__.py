"""Text as people read and type it: the script (Simplified or Traditional Chinese) a
document is written in, and what an input method sends for digits and punctuation."""
