DROP TABLE IF EXISTS image_uploaders;

--bun:split

DROP TABLE IF EXISTS review_images;
