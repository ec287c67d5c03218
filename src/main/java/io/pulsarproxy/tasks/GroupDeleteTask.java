package io.pulsarproxy.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.core.ErrorWord;
import io.pulsarproxy.core.TopicName;
import io.pulsarproxy.store.ConsumerGroups;
import java.util.Set;

/**
 * {@code POST /tasks/group-delete?topic=T&group=G}: removes a consumer group and its pending
 * messages. Its consumers' next fetch starts it again from the latest message.
 */
public final class GroupDeleteTask extends JsonTask {
  private final ConsumerGroups groups;

  public GroupDeleteTask(ConsumerGroups groups, ObjectMapper json) {
    super("group-delete", json, Set.of("topic", "group"));
    this.groups = groups;
  }

  /** The answer. */
  public record Deleted(String topic, String group, boolean deleted) {}

  @Override
  protected Object run(TaskParameters params) {
    TopicName topic = GroupResetTask.required(params.topic("topic"), "topic");
    String group = GroupResetTask.groupOf(params);
    if (!groups.delete(topic, group)) {
      throw ErrorWord.UNKNOWN_GROUP.refusal("topic '" + topic + "' has no group '" + group + "'");
    }
    return new Deleted(topic.value(), group, true);
  }
}
