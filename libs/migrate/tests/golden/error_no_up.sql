-- only comments

-- nothing else
