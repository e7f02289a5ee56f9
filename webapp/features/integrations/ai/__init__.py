"""AI assistance through Gemini (google-genai): settings, workflow AI, project assistant,
duplicate detection."""
