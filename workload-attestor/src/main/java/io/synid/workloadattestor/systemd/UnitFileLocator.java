package io.synid.workloadattestor.systemd;

import io.synid.workloadattestor.AttestationException;

/** Finds the file a unit was loaded from: systemd's {@code FragmentPath} property. */
interface UnitFileLocator {

    /**
     * @param unit a unit name such as {@code nginx.service}
     * @return the fragment path, or the empty string for units without one (slices, transient
     *     scopes), which is what systemd reports for them
     */
    String fragmentPath(String unit) throws AttestationException;
}
