package io.synid.server.admin;

import io.synid.api.spire.server.trustdomain.v1.TrustDomainGrpc;

/**
 * {@code spire.api.server.trustdomain.v1.TrustDomain}: federation relationships. Every RPC
 * answers UNIMPLEMENTED until federation lands (a later issue); registering the service makes
 * that answer explicit instead of "unknown service".
 */
public final class TrustDomainService extends TrustDomainGrpc.TrustDomainImplBase {}
