"""Where things live in a calendar repository.

A module of its own, with no imports, so that the MkDocs plugin's build process can know
the folders without loading edcal's stages (a helper process loads those).
"""

CONTENT_DIR = "content"
POSTS_DIR = "content/blog/posts"
SOCIAL_DIR = "content/social"
SEEN_PATH = "calendar/watch-seen.json"  # what `edcal watch` has seen
