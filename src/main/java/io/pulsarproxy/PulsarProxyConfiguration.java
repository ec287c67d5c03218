package io.pulsarproxy;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.pulsarproxy.auth.AuthFactory;
import io.pulsarproxy.core.LimitsFactory;
import io.pulsarproxy.core.RetentionFactory;
import io.pulsarproxy.store.MessageStoreFactory;
import io.pulsarproxy.store.memory.MemoryStoreFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

/** The configuration tree; each section is a small factory for what it configures. */
public class PulsarProxyConfiguration extends Configuration {
  @JsonProperty @Valid @NotNull private MessageStoreFactory store = new MemoryStoreFactory();
  @JsonProperty @Valid @NotNull private RetentionFactory retention = new RetentionFactory();
  @JsonProperty @Valid @NotNull private LimitsFactory limits = new LimitsFactory();
  @JsonProperty @Valid @NotNull private AuthFactory auth = new AuthFactory();
  @JsonProperty @Valid @NotNull private DeliveryFactory delivery = new DeliveryFactory();
  @JsonProperty @Valid @NotNull private OperationsFactory operations = new OperationsFactory();

  public MessageStoreFactory getStore() {
    return store;
  }

  public RetentionFactory getRetention() {
    return retention;
  }

  public LimitsFactory getLimits() {
    return limits;
  }

  public AuthFactory getAuth() {
    return auth;
  }

  public DeliveryFactory getDelivery() {
    return delivery;
  }

  public OperationsFactory getOperations() {
    return operations;
  }
}
