DROP TABLE attention_marks;

--bun:split

DROP TABLE audit_entries;
