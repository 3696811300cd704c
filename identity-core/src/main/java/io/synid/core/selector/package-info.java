/**
 * Selectors ({@code type:value}): the attributes that registration entries match nodes and
 * workloads by.
 */
package io.synid.core.selector;
