package io.synid.policy.parse;

import java.util.Objects;

/**
 * One thing wrong with a policy file.
 *
 * @param file the source's name
 * @param line 1-based line, 0 when the error concerns the whole file
 * @param column 1-based column, 0 when the error concerns the whole file
 * @param path the field path, for example {@code ingress[0].from[1].spiffe_id} (indexes from 0;
 *     {@code [n]} first when the file holds several YAML documents); empty for the whole file
 * @param message what is wrong
 */
public record PolicyError(String file, int line, int column, String path, String message) {

    /** Validates. */
    public PolicyError {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
        if (line < 0 || column < 0) {
            throw new IllegalArgumentException("negative position");
        }
    }

    /** {@code orders-db.yaml:7:9: ingress[0].from[1].spiffe_id: trust domain is missing}. */
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + (path.isEmpty() ? "" : path + ": ") + message;
    }
}
