package io.synid.workloadattestor.unix;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Looks up user and group names in {@code <root>/etc/passwd} and {@code <root>/etc/group}.
 *
 * <p>Every {@link #current()} checks each file's status (device, inode, size, change time: one
 * {@code stat(2)}) and parses the file again when it changed, so edits take effect at once while
 * an unchanged file is not read and split on every workload attestation. A file whose change time
 * is less than {@link #SETTLE} old when it is read is parsed at every {@link #current()} until it
 * is older: file timestamps are only as fine as the kernel's clock tick, so a second edit of the
 * same size right after the read could otherwise leave the status unchanged.
 *
 * <p>Each read is bounded by {@link #MAX_FILE_BYTES}. A missing, unreadable or oversized file, or
 * an id with no line, gives no name: SPIRE then omits the name selector rather than failing. Only
 * the files are consulted, not other NSS sources (LDAP, SSSD); such accounts get id selectors only.
 */
final class AccountDatabase {

    /** Largest passwd or group file read, in bytes. */
    static final int MAX_FILE_BYTES = 8 * 1024 * 1024;

    /** How long a file must have been unchanged before its parsed names are reused. */
    static final Duration SETTLE = Duration.ofSeconds(1);

    private final NameFile passwd;
    private final NameFile group;
    private final Clock clock;

    AccountDatabase(Path root) {
        this(root, Clock.systemUTC());
    }

    AccountDatabase(Path root, Clock clock) {
        this.passwd = new NameFile(root.resolve("etc/passwd"));
        this.group = new NameFile(root.resolve("etc/group"));
        this.clock = clock;
    }

    /**
     * The names as the files stand now (one status check of each), for all the lookups of one
     * attestation.
     */
    Names current() {
        return new Names(passwd.names(clock), group.names(clock));
    }

    /** User and group names by id, as read at one moment. */
    record Names(Map<Long, String> users, Map<Long, String> groups) {
        /** The name of the first passwd line whose uid field is {@code uid}. */
        Optional<String> userName(long uid) {
            return Optional.ofNullable(users.get(uid));
        }

        /** The name of the first group line whose gid field is {@code gid}. */
        Optional<String> groupName(long gid) {
            return Optional.ofNullable(groups.get(gid));
        }
    }

    /** How many times the files were read and parsed (for tests). */
    int parses() {
        return passwd.parses.get() + group.parses.get();
    }

    /** One file's names by id, with the status they were parsed at. */
    private static final class NameFile {
        private static final String STATUS = "unix:dev,ino,size,ctime";
        private final Path path;
        private volatile Parsed cached;
        private final java.util.concurrent.atomic.AtomicInteger parses = new java.util.concurrent.atomic.AtomicInteger();

        private record Parsed(Map<String, Object> status, Map<Long, String> names) {}

        NameFile(Path path) {
            this.path = path;
        }

        Map<Long, String> names(Clock clock) {
            Instant now = clock.instant();
            Map<String, Object> status;
            try {
                status = Files.readAttributes(path, STATUS);
            } catch (IOException | UnsupportedOperationException e) {
                return Map.of();
            }
            Parsed parsed = cached;
            if (parsed != null && parsed.status().equals(status)) {
                return parsed.names();
            }
            Map<Long, String> names = parse(path);
            parses.incrementAndGet();
            FileTime changed = (FileTime) status.get("ctime");
            boolean settled = changed != null
                    && changed.toInstant().isBefore(now.minus(SETTLE));
            cached = settled ? new Parsed(status, names) : null;
            return names;
        }

        // passwd and group share the layout name:password:id:..., with the id in the third field;
        // the first line of an id wins.
        private static Map<Long, String> parse(Path file) {
            String text;
            try (InputStream in = Files.newInputStream(file)) {
                byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
                if (bytes.length > MAX_FILE_BYTES) {
                    return Map.of();
                }
                text = new String(bytes, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return Map.of();
            }
            Map<Long, String> names = new HashMap<>();
            for (String line : text.split("\n")) {
                if (line.isEmpty() || line.startsWith("#") || line.startsWith("+") || line.startsWith("-")) {
                    continue;
                }
                String[] fields = line.split(":", -1);
                if (fields.length >= 3 && !fields[0].isEmpty()) {
                    Long id = canonicalId(fields[2]);
                    if (id != null) {
                        names.putIfAbsent(id, fields[0]);
                    }
                }
            }
            return Map.copyOf(names);
        }

        // Matched as the id's decimal text before: "007" or "+7" never named uid 7.
        private static Long canonicalId(String field) {
            try {
                long id = Long.parseLong(field);
                return id >= 0 && Long.toString(id).equals(field) ? id : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }
}
