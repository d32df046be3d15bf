"""Social posts: counting per platform, composing posts, the posting schedule and its exports."""
