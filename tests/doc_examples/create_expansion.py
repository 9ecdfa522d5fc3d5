import os
import requests
response = requests.post(
"https://api.tutorflow.io/v1/content/integrations/expansions",
headers={
"Authorization": f"Bearer {os.environ['TUTORFLOW_CONTENT_API_KEY']}",
"Content-Type": "application/json",
"Idempotency-Key": "language-basics-level-a1-2026-07-04",
},
json={
"requestedOutputs": ["interactive_module", "summary_video", "expanded_quiz"],
"payload": {
"category": {"id": "language-basics", "title": "Language Basics"},
"language": "en",
"level": {
"id": "level-a1",
"title": "A1 Foundations",
"lessons": [
{
"id": "lesson-vocabulary-1",
"type": "vocabulary",
"title": "Basic greetings",
"items": [{"term": "hello", "meaning": "a greeting"}],
}
],
},
},
},
timeout=30,
)
response.raise_for_status()
job = response.json()
