"""Plan and problems -> what people read: terminal text, JSON, annotations, feeds."""
