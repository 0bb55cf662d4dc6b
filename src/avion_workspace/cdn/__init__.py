"""The production edge: deploy and lint the CloudFront templates rendered by :mod:`render.cdn`."""
